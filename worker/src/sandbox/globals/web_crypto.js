// Lazily loaded part of the prelude: the Web Crypto global `crypto`, its randomness
// (`getRandomValues`, `randomUUID`) over the native helpers of the `crypto` module.
(function (host) {
  'use strict';
  const randomFill = host.randomFill;
  const uuid = host.uuid;
  return {
    crypto: {
      getRandomValues(array) {
        if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array
          || array instanceof DataView
          || (typeof Float16Array === 'function' && array instanceof Float16Array)) {
          throw new TypeError('getRandomValues: expected an integer typed array');
        }
        if (array.byteLength > 65536) throw new RangeError('getRandomValues: at most 65536 bytes');
        randomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
        return array;
      },
      randomUUID() { return uuid(); },
    },
  };
})
