import { describe, expect, it } from 'vitest';
import { renderStatusTable } from './status-table.js';
import { parseSyncz, proxyName, SynczFormatError } from './sync-status.js';

const WDS = 'type.googleapis.com/istio.workload.Address';
const WADS = 'type.googleapis.com/istio.security.Authorization';
const WAYPOINT = 'type.googleapis.com/ambient_ts.waypoint.v1.WaypointListener';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';

function type(url: string, short: string, status = 'SYNCED', sent = 'n-1') {
  return { type_url: url, short_name: short, status, last_sent_nonce: sent };
}

/** Entries as apps/istiod's /debug/syncz serves them. */
const SYNCZ = JSON.stringify([
  {
    proxy: 'ztunnel~10.244.1.3~ztunnel-b.istio-system~istio-system.svc.cluster.local',
    proxy_type: 'ztunnel',
    istio_version: '1.30.0',
    cluster_id: 'Kubernetes',
    istiod: 'istiod-1',
    types: [type(WDS, 'WDS'), type(WADS, 'WADS')],
  },
  {
    proxy: 'waypoint~10.244.0.9~waypoint-7f.bookinfo~bookinfo.svc.cluster.local',
    proxy_type: 'waypoint',
    istio_version: '1.30.0',
    cluster_id: 'Kubernetes',
    istiod: 'istiod-1',
    types: [
      type(WAYPOINT, 'WAYPOINT', 'NACKED'),
      type(WDS, 'WDS', 'STALE'),
      type(WADS, 'WADS', 'STALE', ''),
    ],
  },
  {
    proxy: 'ztunnel~10.244.0.3~ztunnel-a.istio-system~istio-system.svc.cluster.local',
    proxy_type: 'ztunnel',
    istio_version: '1.29.1',
    cluster_id: 'Kubernetes',
    istiod: 'istiod-1',
    types: [type(WADS, 'WADS'), type(WDS, 'WDS')],
  },
]);

describe('proxy-status table', () => {
  const statuses = parseSyncz(SYNCZ, 'istiod-pod');

  it('summarizes subscribed types, core types first then the rest by type URL, rows by name', () => {
    expect(renderStatusTable(statuses, { verbose: false, namespace: '' })).toBe(
      [
        'NAME                       CLUSTER        ISTIOD       VERSION     SUBSCRIBED TYPES',
        'waypoint-7f.bookinfo       Kubernetes     istiod-1     1.30.0      3 (WAYPOINT,WADS,WDS)',
        'ztunnel-a.istio-system     Kubernetes     istiod-1     1.29.1      2 (WADS,WDS)',
        'ztunnel-b.istio-system     Kubernetes     istiod-1     1.30.0      2 (WADS,WDS)',
        '',
      ].join('\n'),
    );
  });

  it('shows every type as a column by type URL when verbose, with IGNORED, NOT SENT and ERROR', () => {
    expect(renderStatusTable(statuses, { verbose: true, namespace: '' })).toBe(
      [
        'NAME                       CLUSTER        WAYPOINT     CDS         ECDS        EDS         LDS         RDS         WADS         WDS        ISTIOD       VERSION',
        'waypoint-7f.bookinfo       Kubernetes     ERROR        IGNORED     IGNORED     IGNORED     IGNORED     IGNORED     NOT SENT     STALE      istiod-1     1.30.0',
        'ztunnel-a.istio-system     Kubernetes     IGNORED      IGNORED     IGNORED     IGNORED     IGNORED     IGNORED     SYNCED       SYNCED     istiod-1     1.29.1',
        'ztunnel-b.istio-system     Kubernetes     IGNORED      IGNORED     IGNORED     IGNORED     IGNORED     IGNORED     SYNCED       SYNCED     istiod-1     1.30.0',
        '',
      ].join('\n'),
    );
  });

  it('prints only the header when no proxy is connected', () => {
    expect(renderStatusTable([], { verbose: false, namespace: '' })).toBe(
      'NAME     CLUSTER     ISTIOD     VERSION     SUBSCRIBED TYPES\n',
    );
    expect(renderStatusTable([], { verbose: true, namespace: '' })).toBe(
      'NAME     CLUSTER     CDS     ECDS     EDS     LDS     RDS     ISTIOD     VERSION\n',
    );
  });

  it('keeps only the proxies of the -n namespace', () => {
    const text = renderStatusTable(statuses, { verbose: false, namespace: 'bookinfo' });
    expect(text.split('\n')).toEqual([
      'NAME                     CLUSTER        ISTIOD       VERSION     SUBSCRIBED TYPES',
      'waypoint-7f.bookinfo     Kubernetes     istiod-1     1.30.0      3 (WAYPOINT,WADS,WDS)',
      '',
    ]);
  });

  it('orders Envoy core types as CDS, LDS, EDS, RDS and names a proxy with no types 0', () => {
    const envoy = parseSyncz(
      JSON.stringify([
        {
          proxy: 'gw.default',
          cluster_id: 'c1',
          istio_version: '1.30.0',
          types: [type(LDS, 'LDS'), type(WDS, 'WDS'), type(CDS, 'CDS')],
        },
        { proxy: 'idle.default', cluster_id: 'c1', istio_version: '1.30.0', types: [] },
      ]),
      'istiod-x',
    );
    expect(renderStatusTable(envoy, { verbose: false, namespace: '' }).split('\n')).toEqual([
      'NAME             CLUSTER     ISTIOD       VERSION     SUBSCRIBED TYPES',
      'gw.default       c1          istiod-x     1.30.0      3 (CDS,LDS,WDS)',
      'idle.default     c1          istiod-x     1.30.0      0',
      '',
    ]);
  });
});

describe('reading syncz', () => {
  it('names proxies <pod>.<namespace> as upstream, from raw node ids or already-parsed ids', () => {
    expect(
      proxyName('ztunnel~10.0.0.1~ztunnel-x.istio-system~istio-system.svc.cluster.local'),
    ).toEqual({
      name: 'ztunnel-x.istio-system',
      namespace: 'istio-system',
    });
    expect(proxyName('waypoint-b.bookinfo')).toEqual({
      name: 'waypoint-b.bookinfo',
      namespace: 'bookinfo',
    });
  });

  it('refuses an answer that is not a JSON list', () => {
    expect(() => parseSyncz('{}', 'istiod-1')).toThrow(SynczFormatError);
    expect(() => parseSyncz('<html>', 'istiod-1')).toThrow(/not JSON/);
    expect(() => parseSyncz('[1]', 'istiod-1')).toThrow(/entry 0 is not an object/);
  });
});
