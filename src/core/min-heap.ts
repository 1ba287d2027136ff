/** Items lowest rank first, equal ranks in the order they were pushed (as a stable sort of the list would give),
 * in O(log n) each: the ready nodes of a topological order (the Argo and ASL splits), of which a graph of
 * thousands of parallel branches has thousands at once. */
export class MinHeap<T> {
  private readonly items: { item: T; rank: number; at: number }[] = [];
  private pushed = 0;
  constructor(private readonly rankOf: (item: T) => number) {}
  private static before(a: { rank: number; at: number }, b: { rank: number; at: number }): boolean {
    return a.rank < b.rank || (a.rank === b.rank && a.at < b.at);
  }
  push(item: T): void {
    const a = this.items;
    const entry = { item, rank: this.rankOf(item), at: this.pushed++ };
    let i = a.length;
    a.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!MinHeap.before(entry, a[parent]!)) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = entry;
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top?.item;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const c = l + 1 < a.length && MinHeap.before(a[l + 1]!, a[l]!) ? l + 1 : l;
      if (!MinHeap.before(a[c]!, last)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top.item;
  }
}
