import {
  Client,
  Metadata,
  type CallOptions,
  type handleUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  IstioCertificateService,
  type IstioCertificateRequest,
  type IstioCertificateResponse,
} from '../gen/istio/v1/auth/ca_pb.js';
import { grpcMethodDefinition } from './method-definition.js';

/** grpc-js definition of istio.v1.auth.IstioCertificateService. */
export const istioCertificateServiceDefinition = {
  /** `/istio.v1.auth.IstioCertificateService/CreateCertificate`, unary. */
  CreateCertificate: grpcMethodDefinition(IstioCertificateService.method.createCertificate),
};

/** Server-side handlers for `server.addService(istioCertificateServiceDefinition, …)`. */
// A type alias (not an interface) so it is assignable to grpc-js UntypedServiceImplementation.
export type IstioCertificateServiceHandlers = {
  CreateCertificate: handleUnaryCall<IstioCertificateRequest, IstioCertificateResponse>;
};

/** Typed grpc-js client for the Istio CA. */
export class IstioCertificateServiceClient extends Client {
  /**
   * Calls CreateCertificate. Rejects with the grpc-js ServiceError (its `code`
   * and `details` come from the CA).
   */
  createCertificate(
    request: IstioCertificateRequest,
    metadata: Metadata = new Metadata(),
    options: CallOptions = {},
  ): Promise<IstioCertificateResponse> {
    const method = istioCertificateServiceDefinition.CreateCertificate;
    return new Promise((resolve, reject) => {
      this.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadata,
        options,
        (error: ServiceError | null, response?: IstioCertificateResponse) => {
          if (error !== null) {
            reject(error);
          } else if (response === undefined) {
            reject(new Error('CreateCertificate returned neither a response nor an error'));
          } else {
            resolve(response);
          }
        },
      );
    });
  }
}
