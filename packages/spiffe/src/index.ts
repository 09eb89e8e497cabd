export const TRUST_DOMAIN_DEFAULT = 'cluster.local';
