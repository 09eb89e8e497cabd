// Command lines of etcd and the control-plane components. Pure: the whole
// configuration of the cluster's control plane is readable (and tested) here.
import path from 'node:path';
import { CLUSTER_NETWORK } from '../network/plan.js';
import { pkiPath, type ClusterLayout } from './layout.js';

export const ETCD_CLIENT_URL = 'http://127.0.0.1:2379';
export const SERVICE_ACCOUNT_ISSUER = `https://kubernetes.default.svc.${CLUSTER_NETWORK.clusterDomain}`;
export const CONTROLLER_MANAGER_PORT = 10257;
export const SCHEDULER_PORT = 10259;

export interface Component {
  readonly name: string;
  readonly argv: readonly string[];
}

export function etcdComponent(layout: ClusterLayout): Component {
  return {
    name: 'etcd',
    argv: [
      '/usr/bin/etcd',
      '--name=local',
      `--data-dir=${layout.etcdData}`,
      `--listen-client-urls=${ETCD_CLIENT_URL}`,
      `--advertise-client-urls=${ETCD_CLIENT_URL}`,
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=local=http://127.0.0.1:2380',
      '--initial-cluster-state=new',
      // The data dir is a tmpfs mounted in the sandbox (Debian's etcd 3.4
      // has no --unsafe-no-fsync): fsyncs cost nothing and it vanishes with
      // the sandbox.
      '--quota-backend-bytes=2147483648',
      '--logger=zap',
      '--log-level=warn',
    ],
  };
}

export function apiserverComponent(layout: ClusterLayout, binDir: string): Component {
  const n = CLUSTER_NETWORK;
  return {
    name: 'kube-apiserver',
    argv: [
      path.join(binDir, 'kube-apiserver'),
      `--etcd-servers=${ETCD_CLIENT_URL}`,
      `--advertise-address=${n.gatewayIp}`,
      // All addresses of the sandbox's root netns: loopback for the
      // forwarder and components, the bridge address for nodes and pods.
      '--bind-address=0.0.0.0',
      `--secure-port=${n.apiserverPort}`,
      `--service-cluster-ip-range=${n.serviceCidr}`,
      '--service-node-port-range=30000-32767',
      `--client-ca-file=${pkiPath(layout, 'caCert')}`,
      `--tls-cert-file=${pkiPath(layout, 'apiserverCert')}`,
      `--tls-private-key-file=${pkiPath(layout, 'apiserverKey')}`,
      `--kubelet-client-certificate=${pkiPath(layout, 'apiserverKubeletClientCert')}`,
      `--kubelet-client-key=${pkiPath(layout, 'apiserverKubeletClientKey')}`,
      '--kubelet-preferred-address-types=InternalIP',
      // Kubelets serve with certificates from our CA, so the apiserver verifies them.
      `--kubelet-certificate-authority=${pkiPath(layout, 'caCert')}`,
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${pkiPath(layout, 'serviceAccountPub')}`,
      `--service-account-signing-key-file=${pkiPath(layout, 'serviceAccountKey')}`,
      `--api-audiences=${SERVICE_ACCOUNT_ISSUER}`,
      // Aggregated APIs: requestheader authentication with the front-proxy CA.
      `--requestheader-client-ca-file=${pkiPath(layout, 'frontProxyCaCert')}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pkiPath(layout, 'frontProxyClientCert')}`,
      `--proxy-client-key-file=${pkiPath(layout, 'frontProxyClientKey')}`,
      // The sandbox's root netns runs no kube-proxy, so a ClusterIP means
      // nothing here: reach admission webhooks and aggregated APIs at their
      // endpoints' pod IPs (routed via the nodes) instead.
      '--enable-aggregator-routing=true',
      '--authorization-mode=Node,RBAC',
      // The defaults (NamespaceLifecycle, ServiceAccount, DefaultStorageClass,
      // ResourceQuota, webhooks, …) plus NodeRestriction, as kubeadm enables.
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      '--enable-bootstrap-token-auth=true',
      '--profiling=false',
      '--v=1',
    ],
  };
}

export function controllerManagerComponent(layout: ClusterLayout, binDir: string): Component {
  const n = CLUSTER_NETWORK;
  const kubeconfig = path.join(layout.internalKubeconfigs, 'controller-manager.kubeconfig');
  return {
    name: 'kube-controller-manager',
    argv: [
      path.join(binDir, 'kube-controller-manager'),
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${CONTROLLER_MANAGER_PORT}`,
      '--leader-elect=false',
      '--allocate-node-cidrs=true',
      `--cluster-cidr=${n.podCidr}`,
      `--node-cidr-mask-size=${n.nodeCidrMaskSize}`,
      `--service-cluster-ip-range=${n.serviceCidr}`,
      `--cluster-signing-cert-file=${pkiPath(layout, 'caCert')}`,
      `--cluster-signing-key-file=${pkiPath(layout, 'caKey')}`,
      `--root-ca-file=${pkiPath(layout, 'caCert')}`,
      `--service-account-private-key-file=${pkiPath(layout, 'serviceAccountKey')}`,
      '--use-service-account-credentials=true',
      '--controllers=*,bootstrapsigner,tokencleaner',
      '--v=1',
    ],
  };
}

export function schedulerComponent(layout: ClusterLayout, binDir: string): Component {
  const kubeconfig = path.join(layout.internalKubeconfigs, 'scheduler.kubeconfig');
  return {
    name: 'kube-scheduler',
    argv: [
      path.join(binDir, 'kube-scheduler'),
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${SCHEDULER_PORT}`,
      '--leader-elect=false',
      '--v=1',
    ],
  };
}
