/**
 * A Fetch `ReadableStream` over an async iterator, pulled on demand so back-pressure reaches the
 * source; cancelling the stream returns the iterator (which releases an upstream connection).
 *
 * @module
 */
export function readableStreamFrom(iterator: AsyncIterator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
