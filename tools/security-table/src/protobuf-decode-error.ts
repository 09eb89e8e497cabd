// The errors @bufbuild/protobuf's fromBinary throws for bytes that are not a
// message of the schema (premature EOF, bad wire type, bad tag, varint
// overflow, recursion limit, a fixed64/double cut short (DataView's
// RangeError, found by the istiod CA fuzz target), and Node's TextDecoder refusing a string field
// that is not UTF-8, as proto3 requires). Fuzz targets accept exactly these from the
// decoder — the gRPC layer turns them into a failed call or a NACK — and treat
// anything else (a TypeError, a hang, a partial message) as a bug.
const DECODE_ERROR =
  /premature EOF|cant skip wire type|illegal tag|invalid end group tag|invalid (?:float32|int32|uint32|varint)|maximum recursion depth|cannot decode .* from binary|Offset is outside the bounds of the DataView/;

export function isProtobufDecodeError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if ((err as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return true;
  return DECODE_ERROR.test(err.message);
}
