// The few Kubernetes objects istioctl reads and writes, as plain JSON shapes
// (only the fields it uses are typed; everything else passes through).

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  [key: string]: unknown;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  [key: string]: unknown;
}

export interface GatewayListener {
  name: string;
  port: number;
  protocol: string;
  [key: string]: unknown;
}

export interface Gateway {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: { gatewayClassName: string; listeners?: GatewayListener[]; [key: string]: unknown };
  status?: { conditions?: Condition[]; [key: string]: unknown };
}

export interface Namespace {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
}

export interface Pod {
  metadata: ObjectMeta;
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}
