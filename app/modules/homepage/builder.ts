import { fieldList, fieldText } from '../../http/body.js';
import type { Member } from '../../auth/member.js';
import { currentTenant, db } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { newId } from '../../lib/ids.js';
import type { Tenant } from '../../tenancy/tenant.js';
import { draftSaver, draftTiles } from './homepage.js';
import { TileSchema, tileSettingsParser, TILE_TYPES, type Tile, type TileType } from './tiles.js';

/**
 * The builder's work on the draft (inside the school's tenant transaction): each change reads the draft,
 * changes the list and saves it back. Visitors see nothing until homepagePublisher().
 */


/** The settings of a tile type from the builder's form fields (checkboxes: "on" or absent). */
export function settingsFromForm(type: TileType, body: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case 'news':
      return { title: fieldText(body.title), limit: fieldText(body.limit) || undefined, rubricIds: fieldList(body.rubricIds), institutions: body.institutions === 'on' };
    case 'latest':
      return { title: fieldText(body.title), limit: fieldText(body.limit) || undefined };
    case 'rubrics':
      return { title: fieldText(body.title) };
    case 'selection':
      return { title: fieldText(body.title), ids: fieldList(body.ids) };
    case 'text':
      return { title: fieldText(body.title), html: fieldText(body.html) };
    case 'contact':
      return { title: fieldText(body.title), address: fieldText(body.address), phone: fieldText(body.phone), email: fieldText(body.email), hours: fieldText(body.hours), mapQuery: fieldText(body.mapQuery) };
    case 'media':
      return { title: fieldText(body.title), kind: fieldText(body.kind) || 'image', mediaId: fieldText(body.mediaId), videoUrl: fieldText(body.videoUrl), alt: fieldText(body.alt), caption: fieldText(body.caption) };
    case 'feed':
      return { title: fieldText(body.title), url: fieldText(body.url), limit: fieldText(body.limit) || undefined };
    case 'notices':
      return {};
    case 'agenda':
      return { title: fieldText(body.title), limit: fieldText(body.limit) || undefined };
    case 'social':
      return { network: fieldText(body.network), url: fieldText(body.url), label: fieldText(body.label) };
  }
}

/** Settings a new tile starts with in the form (before the manager fills it). */
export function blankSettings(type: TileType): Record<string, unknown> {
  const r = tileSettingsParser(type, {});
  if (r.ok) return r.settings;
  return { title: '' };
}

export function isTileType(t: unknown): t is TileType {
  return typeof t === 'string' && Object.hasOwn(TILE_TYPES, t);
}

export type FormResult = { ok: true } | { ok: false; errors: Record<string, string> };

function widthOf(v: unknown, fallback: 1 | 2 | 3): 1 | 2 | 3 {
  const n = Number(fieldText(v));
  return n === 1 || n === 2 || n === 3 ? n : fallback;
}

/** Adds a tile of a type at the end of the draft (or at its position in the grid, notices first). */
export async function tileAdder(input: { actor: Member; tenant: Tenant; type: TileType; body: Record<string, unknown> }): Promise<FormResult & { id?: string }> {
  const parsed = tileSettingsParser(input.type, settingsFromForm(input.type, input.body));
  if (!parsed.ok) return parsed;
  const tiles = await draftTiles(input.tenant);
  const id = newId();
  tiles.push({ id, type: input.type, width: widthOf(input.body.width, 1), hidden: false, settings: parsed.settings });
  // A feed tile: its cache row and a fetch now, committed with the tile.
  await draftSaver({ actor: input.actor, tiles, refreshFeeds: input.type === 'feed' ? [String(parsed.settings.url)] : [] });
  return { ok: true, id };
}

/** Changes a tile's settings, width and visibility. */
export async function tileUpdater(input: { actor: Member; tenant: Tenant; tile: Tile; body: Record<string, unknown> }): Promise<FormResult> {
  const parsed = tileSettingsParser(input.tile.type, settingsFromForm(input.tile.type, input.body));
  if (!parsed.ok) return parsed;
  const tiles = await draftTiles(input.tenant);
  const i = tiles.findIndex((t) => t.id === input.tile.id);
  tiles[i] = { ...tiles[i], settings: parsed.settings, width: widthOf(input.body.width, tiles[i].width), hidden: input.body.hidden === 'on' };
  await draftSaver({ actor: input.actor, tiles, refreshFeeds: input.tile.type === 'feed' ? [String(parsed.settings.url)] : [] });
  return { ok: true };
}

/** Moves a tile one place up or down (the buttons), or to a position in the list (drag and drop). */
export async function tileReorderer(input: { actor: Member; tenant: Tenant; tile: Tile; direction?: 'up' | 'down'; position?: number }): Promise<void> {
  const tiles = await draftTiles(input.tenant);
  const i = tiles.findIndex((t) => t.id === input.tile.id);
  if (i < 0) return;
  if (input.position !== undefined) {
    const to = Math.max(0, Math.min(tiles.length - 1, Math.trunc(input.position)));
    if (to === i) return;
    const [moved] = tiles.splice(i, 1);
    tiles.splice(to, 0, moved);
  } else {
    const j = input.direction === 'up' ? i - 1 : i + 1;
    if (j < 0 || j >= tiles.length) return;
    [tiles[i], tiles[j]] = [tiles[j], tiles[i]];
  }
  await draftSaver({ actor: input.actor, tiles });
}

/** Deletes a tile from the draft; returns what the undo needs (the tile and its place). */
export async function tileDeleter(input: { actor: Member; tenant: Tenant; tile: Tile; ip?: string }): Promise<{ tile: Tile; position: number }> {
  const tiles = await draftTiles(input.tenant);
  const position = tiles.findIndex((t) => t.id === input.tile.id);
  tiles.splice(position, 1);
  await draftSaver({ actor: input.actor, tiles });
  await recordAudit({
    action: 'homepage.tile_delete',
    actorAccountId: input.actor.accountId,
    actorMembershipId: input.actor.membershipId,
    subjectType: 'homepage_tile',
    subjectId: input.tile.id,
    details: { type: input.tile.type },
    ip: input.ip,
  });
  return { tile: input.tile, position };
}

/** Puts a deleted tile back at its place (the undo of tileDeleter); the tile is validated again. */
export async function tileUndeleter(input: { actor: Member; tenant: Tenant; tileJson: string; position: number }): Promise<boolean> {
  let raw: unknown;
  try {
    raw = JSON.parse(input.tileJson);
  } catch {
    return false;
  }
  const shape = TileSchema.safeParse(raw);
  if (!shape.success) return false;
  const settings = tileSettingsParser(shape.data.type, shape.data.settings);
  if (!settings.ok) return false;
  const tiles = await draftTiles(input.tenant);
  const id = tiles.some((t) => t.id === shape.data.id) ? newId() : shape.data.id;
  const at = Math.max(0, Math.min(tiles.length, Number.isInteger(input.position) ? input.position : tiles.length));
  tiles.splice(at, 0, { ...shape.data, id, width: shape.data.width as 1 | 2 | 3, settings: settings.settings });
  await draftSaver({ actor: input.actor, tiles });
  return true;
}

/** The school's published articles the manager may hand-pick (newest first). */
export async function selectableArticles(): Promise<{ id: string; title: string }[]> {
  return db()('articles')
    .where({ tenant_id: currentTenant().id, status: 'published' })
    .whereNull('deleted_at')
    .orderBy('publish_at', 'desc')
    .limit(50)
    .select('id', 'title');
}
