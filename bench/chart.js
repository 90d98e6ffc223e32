'use strict';
// bench/results.svg: every call's ratio to its C floor as a horizontal bar,
// with the floor (1x) and the budget marked, so a reader sees at a glance
// where each call stands. Plain SVG, no dependencies.

const COLORS = { sockbuf: '#2f6db3', node: '#7a7a7a', sockopt: '#c7791a' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** rows: [{ name, group, ratio, budget, ns, cNs }]; env: the run's description. */
function chart(rows, env) {
  const labelW = 330;
  const barW = 420;
  const rowH = 20;
  const top = 54;
  const maxRatio = Math.max(2, Math.ceil(Math.max(...rows.map((r) => r.ratio)) * 2) / 2);
  const x = (ratio) => labelW + (ratio / maxRatio) * barW;
  const height = top + rows.length * rowH + 46;
  const width = labelW + barW + 150;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Time per call / the same system calls in C (1x = the floor)</text>`,
    `<text x="10" y="38" fill="#555">${esc(env)}</text>`,
  );
  for (let t = 0; t <= maxRatio; t += 0.5) {
    out.push(
      `<line x1="${x(t)}" y1="${top - 4}" x2="${x(t)}" y2="${top + rows.length * rowH}" stroke="${t === 1 ? '#000' : '#e3e3e3'}"${t === 1 ? ' stroke-width="1.5"' : ''}/>`,
      `<text x="${x(t)}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#555">${t}x</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const over = r.budget !== null && r.ratio > r.budget;
    out.push(
      `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(r.name)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, x(r.ratio) - labelW)}" height="${rowH - 6}" fill="${COLORS[r.group] || '#2f6db3'}"${over ? ' fill-opacity="0.6"' : ''}/>`,
      `<text x="${x(r.ratio) + 5}" y="${y + 14}">${r.ratio.toFixed(2)}x (${Math.round(r.ns)} ns)</text>`,
    );
    if (r.budget !== null) {
      out.push(
        `<line x1="${x(r.budget)}" y1="${y + 1}" x2="${x(r.budget)}" y2="${y + rowH - 1}" stroke="#c0392b" stroke-width="2"/>`,
      );
    }
  });
  const ly = top + rows.length * rowH + 34;
  let lx = 10;
  for (const [group, label] of [
    ['sockbuf', 'sockbuf'],
    ['node', 'Node core dgram'],
    ['sockopt', 'sockopt@2.0.1'],
  ]) {
    out.push(
      `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[group]}"/>`,
      `<text x="${lx + 16}" y="${ly}">${label}</text>`,
    );
    lx += 150;
  }
  out.push(
    `<line x1="${lx}" y1="${ly - 10}" x2="${lx}" y2="${ly + 2}" stroke="#c0392b" stroke-width="2"/>`,
    `<text x="${lx + 6}" y="${ly}">budget</text>`,
    '</svg>',
  );
  return out.join('\n') + '\n';
}

module.exports = { chart };
