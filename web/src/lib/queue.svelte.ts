/**
 * The detection review queue: the candidate under review, its neighbours in the chosen order
 * (reliability or area, computed by the server), the draft decision, and the per-tile progress.
 * A decision is saved with the version read; on success the queue moves to the next candidate.
 */
import {
  api,
  ApiError,
  type Decision,
  type DetectionClass,
  type DetectionOrder,
  type DetectionWithNeighbours,
  type LocalPrecision,
  type ZoneProgress,
} from './api.ts';
import { DECISION_LABEL } from './risk.ts';

export class DetectionQueue {
  order = $state<DetectionOrder>('reliability');
  currentId = $state<string | null>(null);
  current = $state.raw<DetectionWithNeighbours | null>(null);
  progress = $state.raw<ZoneProgress[]>([]);
  /** Reviewers' verdicts per 10 km square × level (shown from `minVerdicts` on). */
  precision = $state.raw<LocalPrecision[]>([]);
  minVerdicts = $state(20);
  /** The verdicts of the current candidate's square at its level, if any. */
  precisionHere = $derived.by(() => {
    const d = this.current;
    return d ? (this.precision.find((p) => p.zone === d.zone && p.level === d.level) ?? null) : null;
  });
  loading = $state(false);
  saving = $state(false);
  error = $state<string | null>(null);
  /** Feedback after a decision, read by a polite live region. */
  message = $state<string | null>(null);
  draftClass = $state<DetectionClass | null>(null);
  draftNote = $state('');
  empty = $state(false);

  totals = $derived(
    this.progress.reduce((a, z) => ({ total: a.total + z.total, reviewed: a.reviewed + z.reviewed }), { total: 0, reviewed: 0 }),
  );

  /** Opens the candidate in the URL, else the first one not yet reviewed in the chosen order. */
  async start(): Promise<void> {
    void this.refreshProgress();
    if (this.currentId && (await this.open(this.currentId))) return;
    await this.first();
  }

  async first(): Promise<void> {
    this.loading = true;
    try {
      let page = await api.detections({ order: this.order, status: 'pending', limit: 1 });
      if (page.items.length === 0) page = await api.detections({ order: this.order, status: 'all', limit: 1 });
      this.empty = page.items.length === 0;
      if (page.items[0]) await this.open(page.items[0].detection_id);
      else this.current = null;
    } catch (e) {
      this.fail(e);
    } finally {
      this.loading = false;
    }
  }

  async open(id: string): Promise<boolean> {
    this.loading = true;
    try {
      const d = await api.detection(id, this.order);
      this.current = d;
      this.currentId = d.detection_id;
      this.draftClass = d.corrected_class;
      this.draftNote = d.note ?? '';
      this.error = null;
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.loading = false;
    }
  }

  async setOrder(order: DetectionOrder): Promise<void> {
    this.order = order;
    if (this.currentId) await this.open(this.currentId);
  }

  async next(): Promise<void> {
    const id = this.current?.neighbours.next;
    if (id) await this.open(id);
  }

  async previous(): Promise<void> {
    const id = this.current?.neighbours.previous;
    if (id) await this.open(id);
  }

  async decide(decision: Decision): Promise<void> {
    const d = this.current;
    if (!d || this.saving) return;
    this.saving = true;
    try {
      const { item } = await api.saveDetectionReview(d.detection_id, {
        decision,
        corrected_class: this.draftClass && this.draftClass !== d.class ? this.draftClass : null,
        note: this.draftNote.trim(),
        version: d.version,
      });
      this.current = { ...d, ...item };
      this.message = `Candidat ${d.detection_id} : « ${DECISION_LABEL[decision]} » enregistré.`;
      this.error = null;
      void this.refreshProgress();
      if (d.neighbours.next) await this.open(d.neighbours.next);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        this.error = `${e.message} Valeurs actuelles rechargées : vérifiez puis décidez à nouveau.`;
        await this.open(d.detection_id);
      } else {
        this.fail(e);
      }
    } finally {
      this.saving = false;
    }
  }

  async refreshProgress(): Promise<void> {
    try {
      const [progress, precision] = await Promise.all([api.progress(), api.precision()]);
      this.progress = progress.zones;
      this.precision = precision.zones;
      this.minVerdicts = precision.min_verdicts;
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    this.error = e instanceof Error ? e.message : String(e);
  }
}

export const queue = new DetectionQueue();
