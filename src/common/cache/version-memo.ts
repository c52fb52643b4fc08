/**
 * What an organization's data looked like at one data version (e.g. its completed imports),
 * loaded once per (organization, version): fixed once the version is, since every publish and
 * delete bumps it. A load that sees a newer version than asked (a publish committed in between)
 * is used once and not kept.
 */
export class VersionMemo<T extends { dataVersion: string }> {
  private readonly byVersion = new Map<string, Promise<T | null>>();

  constructor(
    private readonly load: (orgId: string) => Promise<T | null>,
    private readonly maxEntries = 1000,
  ) {}

  get(orgId: string, dataVersion: string): Promise<T | null> {
    const key = `${orgId}:${dataVersion}`;
    let found = this.byVersion.get(key);
    if (!found) {
      if (this.byVersion.size >= this.maxEntries) {
        this.byVersion.clear();
      }
      found = this.load(orgId);
      this.byVersion.set(key, found);
      found.then((s) => s?.dataVersion !== dataVersion && this.byVersion.delete(key)).catch(() => this.byVersion.delete(key));
    }
    return found;
  }
}
