import { describe, expect, it } from 'vitest';
import { pageLinks } from '../../app/lib/pagination.js';

describe('pageLinks', () => {
  it('lists every page of a short list', () => {
    expect(pageLinks(1, 1)).toEqual([1]);
    expect(pageLinks(2, 5)).toEqual([1, 2, 3, 4, 5]);
  });
  it('keeps the ends and the neighbours of the current page, a gap for the rest', () => {
    expect(pageLinks(1, 250)).toEqual([1, 2, 3, null, 250]);
    expect(pageLinks(100, 250)).toEqual([1, null, 98, 99, 100, 101, 102, null, 250]);
    expect(pageLinks(250, 250)).toEqual([1, null, 248, 249, 250]);
  });
  it('shows a lone hidden page instead of a gap of one', () => {
    expect(pageLinks(5, 9)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pageLinks(6, 12)).toEqual([1, null, 4, 5, 6, 7, 8, null, 12]);
  });
});
