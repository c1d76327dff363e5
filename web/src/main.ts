import './dsfr.css';
import './app.css';
import { mount } from 'svelte';
import './lib/probe.ts';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
