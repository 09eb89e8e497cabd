// The CNI runtime's variables (CNI spec §3): the plugin's only configuration besides stdin.
export interface RawCniEnv {
  readonly command: string;
  readonly containerId: string;
  readonly netns: string;
  readonly args: string;
  /** Where this plugin was executed from (the launcher passes its $0). */
  readonly self: string;
}

export function readCniEnv(env: NodeJS.ProcessEnv = process.env): RawCniEnv {
  return {
    command: env.CNI_COMMAND ?? '',
    containerId: env.CNI_CONTAINERID ?? '',
    netns: env.CNI_NETNS ?? '',
    args: env.CNI_ARGS ?? '',
    self: env.ISTIO_CNI_SELF || process.argv[1] || '',
  };
}
