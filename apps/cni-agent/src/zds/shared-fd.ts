// A netns fd shared by the snapshot and by requests still queued on a connection: it is
// closed only when the last holder lets go, so a Del never closes an fd that a queued Add is
// about to pass (the number could meanwhile belong to another file).

export class SharedFd {
  #refs = 1;
  readonly #close: (fd: number) => void;

  constructor(
    readonly fd: number,
    close: (fd: number) => void,
  ) {
    this.#close = close;
  }

  get released(): boolean {
    return this.#refs === 0;
  }

  retain(): this {
    if (this.#refs === 0) throw new Error(`fd ${this.fd} was already closed`);
    this.#refs++;
    return this;
  }

  release(): void {
    if (this.#refs === 0) return;
    this.#refs--;
    if (this.#refs === 0) this.#close(this.fd);
  }
}
