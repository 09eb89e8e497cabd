// istioctl's own build information, printed by `istioctl version` the way
// upstream prints its Go BuildInfo.

export interface BuildInfo {
  readonly version: string;
  readonly gitRevision: string;
  /** Upstream reports the Go runtime here; we report the Node.js one. */
  readonly golangVersion: string;
  readonly buildStatus: string;
  readonly gitTag: string;
}

/** The release of this istioctl; kept equal to apps/cli/package.json (a test checks). */
export const CLI_VERSION = '0.1.0';

export function clientBuildInfo(runtimeVersion: string): BuildInfo {
  return {
    version: CLI_VERSION,
    gitRevision: 'unknown',
    golangVersion: runtimeVersion,
    buildStatus: 'unknown',
    gitTag: CLI_VERSION,
  };
}

export const EMPTY_BUILD_INFO: BuildInfo = {
  version: '',
  gitRevision: '',
  golangVersion: '',
  buildStatus: '',
  gitTag: '',
};

/** Go's `%#v` of version.BuildInfo. */
export function buildInfoLongForm(info: BuildInfo): string {
  return (
    `version.BuildInfo{Version:${q(info.version)}, GitRevision:${q(info.gitRevision)}, ` +
    `GolangVersion:${q(info.golangVersion)}, BuildStatus:${q(info.buildStatus)}, GitTag:${q(info.gitTag)}}`
  );
}

/** The JSON/YAML shape (Go json tags of version.BuildInfo). */
export function buildInfoJson(info: BuildInfo): Record<string, string> {
  return {
    version: info.version,
    revision: info.gitRevision,
    golang_version: info.golangVersion,
    status: info.buildStatus,
    tag: info.gitTag,
  };
}

function q(s: string): string {
  return JSON.stringify(s);
}
