// The page shell shared by every HTML page: head, navigation, the one script and stylesheet.
import { html, type Html } from '../html.js';

export interface PageOptions {
  title: string;
  body: Html;
  /** Which navigation entry is current. */
  nav?: 'leaderboard' | 'runs' | 'problems';
  /** data-* attributes for the body, read by /static/app.js (e.g. { live: '/api/runs/x/events' }). */
  data?: Record<string, string>;
}

export function page(opts: PageOptions): Html {
  const data = Object.entries(opts.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`);
  const link = (key: PageOptions['nav'], href: string, label: string): Html =>
    html`<a href="${href}" ${opts.nav === key ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · adrs</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head>
<body${data}>
<header class="top"><a class="brand" href="/">adrs</a><nav>${link('leaderboard', '/', 'Leaderboard')}${link('runs', '/runs', 'Runs')}${link('problems', '/problems', 'Problems')}</nav></header>
<main id="main">
${opts.body}
</main>
</body>
</html>
`;
}
