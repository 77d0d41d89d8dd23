// Keeps the last `cap` bytes of a stream and counts every byte, so endless output costs bounded memory.

export class OutputTail {
  private chunks: Buffer[] = [];
  private kept = 0;
  /** Bytes seen in all, kept or not. */
  total = 0;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.cap <= 0) return;
    if (chunk.length >= this.cap) {
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.cap))];
      this.kept = this.cap;
      return;
    }
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.kept > this.cap) {
      const first = this.chunks[0] as Buffer;
      const excess = this.kept - this.cap;
      if (first.length <= excess) {
        this.chunks.shift();
        this.kept -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.kept -= excess;
      }
    }
  }

  /** The kept tail as a Buffer. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The kept tail decoded as UTF-8 (a character cut at the front shows as U+FFFD). */
  text(): string {
    return this.bytes().toString('utf8');
  }
}
