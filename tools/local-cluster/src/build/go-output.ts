// Summarises `go build -v` / `go get` output: go prints one line per package
// it compiles and one per module it downloads. We count them for progress and
// keep the tail for error messages.

export class GoOutputSummary {
  packagesCompiled = 0;
  modulesDownloaded = 0;
  lastPackage = '';
  private readonly tail: string[] = [];

  constructor(private readonly tailSize = 40) {}

  feed(line: string): void {
    const text = line.trimEnd();
    if (text === '') return;
    this.tail.push(text);
    if (this.tail.length > this.tailSize) this.tail.shift();
    if (text.startsWith('go: downloading ')) {
      this.modulesDownloaded++;
    } else if (/^[\w.~-]+(\/[\w.~+-]+)*$/.test(text)) {
      // A bare import path: go -v names each package as it compiles it.
      this.packagesCompiled++;
      this.lastPackage = text;
    }
  }

  lastLines(): string {
    return this.tail.join('\n');
  }

  describe(): string {
    const parts = [`${this.packagesCompiled} packages compiled`];
    if (this.modulesDownloaded > 0) parts.push(`${this.modulesDownloaded} modules downloaded`);
    if (this.lastPackage) parts.push(`last ${this.lastPackage}`);
    return parts.join(', ');
  }
}
