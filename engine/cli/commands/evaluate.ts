import type { Command } from '../main.ts';
import { InputError } from '../../errors.ts';

export const evaluateCommand: Command = {
  summary: 'score detections against a truth set: precision, recall, F1 per class',
  usage:
    'vigie evaluate --truth truth.geojson --detections detections.geojson [--tolerance 5] [--relative 0.25]\n' +
    '               [--min-score S] [--min-level possible|probable|very_probable] [--json]\n' +
    '  A detection matches the nearest unmatched truth object of its class within\n' +
    '  max(tolerance m, relative × truth diameter); matching is greedy by descending score.',
  options: {
    truth: { type: 'string' },
    detections: { type: 'string' },
    tolerance: { type: 'string' },
    relative: { type: 'string' },
    'min-score': { type: 'string' },
    'min-level': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values }) {
    const { evaluate, formatEval, readPoints } = await import('../../detect/evaluate.ts');
    const { LEVELS } = await import('../../detect/calibrate.ts');
    if (typeof values.truth !== 'string' || typeof values.detections !== 'string') {
      throw new InputError('expected --truth FILE and --detections FILE (GeoJSON points with a "class" property)');
    }
    const num = (k: string, def: number) => {
      const v = values[k];
      if (v === undefined) return def;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new InputError(`--${k}: "${v}" is not a non-negative number`);
      return n;
    };
    const minLevel = values['min-level'] as string | undefined;
    if (minLevel !== undefined && !LEVELS.includes(minLevel as never)) throw new InputError(`--min-level: "${minLevel}" is not one of ${LEVELS.join(', ')}`);
    const truth = await readPoints(values.truth);
    const minScore = num('min-score', 0);
    const dets = (await readPoints(values.detections)).filter(
      (d) => d.score >= minScore && (minLevel === undefined || LEVELS.indexOf(d.props.level as never) >= LEVELS.indexOf(minLevel as never)),
    );
    const r = evaluate(truth, dets, { tolerance: num('tolerance', 5), relative: num('relative', 0.25), classes: ['mound', 'kiln', 'enclosure', 'pit'] });
    if (values.json) console.log(JSON.stringify({ tolerance: r.tolerance, relative: r.relative, classes: r.classes }, null, 2));
    else console.log(formatEval(r));
    return 0;
  },
};
