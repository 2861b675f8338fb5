/**
 * The page links of a long list: the first and last pages, the current one and its two neighbours on each
 * side, with `null` for each gap (shown as « … »). A rubric of 2,500 articles gets about nine links, not 250.
 */
export function pageLinks(page: number, pages: number): (number | null)[] {
  const shown = new Set([1, pages]);
  for (let n = page - 2; n <= page + 2; n++) if (n >= 1 && n <= pages) shown.add(n);
  const sorted = [...shown].sort((a, b) => a - b);
  const out: (number | null)[] = [];
  for (const n of sorted) {
    const previous = out[out.length - 1];
    if (typeof previous === 'number' && n - previous === 2) out.push(n - 1);
    else if (typeof previous === 'number' && n - previous > 2) out.push(null);
    out.push(n);
  }
  return out;
}
