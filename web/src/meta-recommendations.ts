// The run page's meta-recommendations: the lessons the run's model summarised from earlier generations (run state).
import { z } from 'zod';
import { html, type Html } from './html.js';

/** runs.state_json's `meta` field (orchestrator/loop/run-state.ts); read leniently, as the page shows state as found. */
const metaPart = z.object({
  meta: z.object({ items: z.array(z.string()), atCompleted: z.number(), updates: z.number() }),
});

/** The section, or nothing when the run has no lessons (meta-recommendations off, or none made yet). */
export function metaSection(state: unknown): Html | string {
  const parsed = metaPart.safeParse(state);
  if (!parsed.success || parsed.data.meta.items.length === 0) return '';
  const m = parsed.data.meta;
  return html`<section id="meta-recommendations">
    <h2>Meta-recommendations</h2>
    <p class="muted">
      Lessons the model summarised from earlier attempts (${m.updates}
      ${m.updates === 1 ? 'summary' : 'summaries'}, the latest after ${m.atCompleted} finished candidates);
      later prompts show them with the task.
    </p>
    <ul>
      ${m.items.map((i) => html`<li>${i}</li>`)}
    </ul>
  </section>`;
}
