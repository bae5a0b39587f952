// One search over everything the person can use: their grants and the roles they hold
// without a request. Every word typed must appear in the account's name or id or in the
// permission set's name, as in the request form's search.

export type Searchable = { accountName: string; accountId: string; permissionSet: string };

export function matchesSearch(item: Searchable, query: string): boolean {
  const words = query.toLowerCase().split(/[\s/]+/).filter(Boolean);
  const hay = `${item.accountName} ${item.accountId} ${item.permissionSet}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}
