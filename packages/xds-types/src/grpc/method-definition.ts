import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { MethodDefinition } from '@grpc/grpc-js';

/** The parts of a protobuf-es method descriptor a grpc-js definition needs. */
export interface ProtoMethod<I extends DescMessage, O extends DescMessage> {
  readonly name: string;
  readonly localName: string;
  readonly methodKind: 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming';
  readonly parent: { readonly typeName: string };
  readonly input: I;
  readonly output: O;
}

function serializer<D extends DescMessage>(schema: D): (message: MessageShape<D>) => Buffer {
  return (message) => {
    const bytes = toBinary(schema, message);
    // Wrap, do not copy: grpc-js only reads the buffer.
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer<D extends DescMessage>(schema: D): (bytes: Buffer) => MessageShape<D> {
  return (bytes) => fromBinary(schema, bytes);
}

/**
 * A grpc-js method definition for a generated protobuf-es method: path
 * `/<package>.<Service>/<Method>`, streaming flags from the method kind, and
 * binary protobuf (de)serialisation through the generated schemas.
 */
export function grpcMethodDefinition<I extends DescMessage, O extends DescMessage>(
  method: ProtoMethod<I, O>,
): MethodDefinition<MessageShape<I>, MessageShape<O>> {
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    requestStream:
      method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
    responseStream:
      method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    requestSerialize: serializer(method.input),
    requestDeserialize: deserializer(method.input),
    responseSerialize: serializer(method.output),
    responseDeserialize: deserializer(method.output),
    originalName: method.localName,
  };
}
