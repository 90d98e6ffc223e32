// Name lookups resolved once at load, for the hot paths: a catalog entry and
// its constants in one Map.get, instead of hasOwnProperty plus two keyed
// lookups on the 239-entry constants object (which V8 keeps in dictionary
// mode) on every call.

/** A catalog entry with its level and option numbers (undefined where this platform lacks one). */
export interface Resolved<S> {
  spec: S;
  level: number | undefined;
  option: number | undefined;
}

/** Every name of `catalog` with its spec, constants[spec.level] and constants[name]. */
export function resolveCatalog<S extends { level: string }>(
  catalog: Readonly<Record<string, S>>,
  constants: Readonly<Record<string, number>>,
): ReadonlyMap<string, Resolved<S>> {
  const table = new Map<string, Resolved<S>>();
  for (const name of Object.keys(catalog)) {
    const spec = catalog[name];
    table.set(name, { spec, level: constants[spec.level], option: constants[name] });
  }
  return table;
}
