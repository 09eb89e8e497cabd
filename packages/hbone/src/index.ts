import { TRUST_DOMAIN_DEFAULT } from '@ambient-ts/spiffe';
export const DEFAULT_TD = TRUST_DOMAIN_DEFAULT;
