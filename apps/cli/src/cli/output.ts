// Where a command writes: stdout and stderr as plain string sinks, so tests
// capture them and main.ts binds them to the process streams.

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export interface CapturedOutput extends Output {
  readonly stdout: () => string;
  readonly stderr: () => string;
}

export function captureOutput(): CapturedOutput {
  let stdout = '';
  let stderr = '';
  return {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
