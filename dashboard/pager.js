// "Load more" over one or more statuses, newest first.
//
// A tab may show several statuses (Failed / expired). The API lists one status per query, each
// newest first by request id (ULIDs sort by creation time), so the pager keeps a cursor and a
// buffer per status and hands out the newest `pageSize` of all of them: a request is shown once,
// in order, and a status is asked for its next page only when its buffer runs short.
//
// Each status keeps at least one row more than it hands out (pages of pageSize + 1), so `done`
// is exact: "Load more" never appears for an empty page, even when the API's last full page
// still carried a nextToken.

export class Pager {
  /**
   * @param {(status: string, nextToken: string|undefined, limit: number) => Promise<{requests: object[], nextToken?: string}>} fetchPage
   * @param {string[]} statuses
   * @param {number} pageSize
   */
  constructor(fetchPage, statuses, pageSize) {
    this.fetchPage = fetchPage;
    this.pageSize = pageSize;
    this.sources = statuses.map((status) => ({ status, buffer: [], token: undefined, exhausted: false }));
  }

  /** Whether nothing is left to hand out. */
  get done() {
    return this.sources.every((s) => s.exhausted && s.buffer.length === 0);
  }

  /** The next rows, newest first (fewer than pageSize only at the end). */
  async next() {
    // Every status that may still have rows needs more than a page buffered before merging: only
    // then is the newest of the buffers' heads the newest row left overall, and is a status
    // whose buffer is empty afterwards known to be finished.
    await Promise.all(this.sources.map((s) => this.fill(s)));
    const out = [];
    while (out.length < this.pageSize) {
      let best = null;
      for (const s of this.sources) {
        if (s.buffer.length && (!best || s.buffer[0].id > best.buffer[0].id)) best = s;
      }
      if (!best) break;
      out.push(best.buffer.shift());
    }
    return out;
  }

  async fill(source) {
    while (!source.exhausted && source.buffer.length <= this.pageSize) {
      const page = await this.fetchPage(source.status, source.token, this.pageSize + 1);
      source.buffer.push(...page.requests);
      source.token = page.nextToken;
      if (!page.nextToken) source.exhausted = true;
    }
  }
}
