// A searchStream row as REST sends it → the shape mapping.ts reads, the shape google-ads-api
// 25.1.0 gives its REST rows: snake_case keys, enum names as their numbers, int64 strings as
// numbers. Types come from the library's v25 type table (`google-ads-api/fields`), a small data
// module; its client would load every v25 proto and gRPC service (about 190 MB and 1.5 s) to
// send the same request.
// https://developers.google.com/google-ads/api/rest/design/json-mappings
import { enums } from 'google-ads-api/enums';
import { fieldDataTypes, fields } from 'google-ads-api/fields';

type TypeNode = string | { [key: string]: TypeNode };
type Json = Record<string, unknown>;

let table: Record<string, TypeNode> | undefined;
const snakeKeys = new Map<string, string>();

/** `adGroupCriterion` → `ad_group_criterion`, as the library spells keys. */
export function snakeCase(key: string): string {
  let out = snakeKeys.get(key);
  if (out === undefined) {
    out = key.replace(/(?<!(^|_))([A-Z])/g, (c) => `_${c}`).toLowerCase();
    snakeKeys.set(key, out);
  }
  return out;
}

/** The table's `{"$ref": "#/Campaign/status"}` entries point elsewhere in it. */
function resolve(node: TypeNode | undefined): TypeNode | undefined {
  for (let hops = 0; typeof node === 'object' && typeof node.$ref === 'string' && hops < 10; hops += 1) {
    const target: TypeNode | undefined = node.$ref
      .slice(2)
      .split('/')
      .reduce<TypeNode | undefined>((n, part) => (typeof n === 'object' ? n[part] : undefined), types());
    node = target;
  }
  return node;
}

function types(): Record<string, TypeNode> {
  table ??= JSON.parse(fieldDataTypes) as Record<string, TypeNode>;
  return table;
}

function child(type: TypeNode | undefined, key: string): TypeNode | undefined {
  const node = type === undefined ? types()[key] : typeof type === 'object' ? type[key] : undefined;
  return resolve(node);
}

function leaf(value: unknown, type: TypeNode | undefined, path: string): unknown {
  if (typeof type === 'object') {
    // A FieldMask arrives as "a.b,c"; an enum as its name.
    if (type.paths === 'STRING' && typeof value === 'string') {
      return { paths: value.split(',').map((p) => p.trim().split('.').map(snakeCase).join('.')) };
    }
    return typeof value === 'string' ? type[value] : value;
  }
  if (type === 'INT64' && typeof value === 'string') return Number(value);
  if (type === 'ENUM' && typeof value === 'string') {
    const enumName = (fields.enumFields as Record<string, string | undefined>)[path];
    const values = enumName === undefined ? undefined : (enums as unknown as Record<string, Record<string, number> | undefined>)[enumName];
    return values?.[value] ?? value;
  }
  return value;
}

function convert(value: unknown, type: TypeNode | undefined, path: string): unknown {
  if (Array.isArray(value)) return value.map((item) => (isObject(item) ? convertObject(item, type, path) : item));
  if (isObject(value)) return convertObject(value, type, path);
  return leaf(value, type, path);
}

function convertObject(obj: Json, type: TypeNode | undefined, path: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(obj)) {
    const name = snakeCase(key);
    out[name] = convert(value, child(type, name), path === '' ? name : `${path}.${name}`);
  }
  return out;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One element of `results`: `{campaign: {id: "16000101", advertisingChannelType: "DISPLAY"}}` → `{campaign: {id: 16000101, advertising_channel_type: 3}}`. */
export function restRow(row: Json): Json {
  return convertObject(row, undefined, '');
}
