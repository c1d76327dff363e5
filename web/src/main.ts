/**
 * Entry point. The data of the first screen is asked for before the app's code (maplibre,
 * deck.gl, the components: most of the bundle) is fetched and evaluated, so that both overlap
 * instead of the requests waiting for the code.
 */
import './dsfr.css';
import './app.css';
import './lib/probe.ts';
import { vigie } from './lib/state.svelte.ts';
import { queue } from './lib/queue.svelte.ts';
import { readUrl } from './lib/urlState.ts';

readUrl(location.search, vigie, queue);
void vigie.load();

const [{ mount }, { default: App }] = await Promise.all([import('svelte'), import('./App.svelte')]);
mount(App, { target: document.getElementById('app')! });
