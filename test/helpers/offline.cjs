// Preloaded (NODE_OPTIONS=--require) into a program to take its network away: every fetch fails as
// it does on a machine without internet ("fetch failed", Node's undici TypeError).
globalThis.fetch = async () => {
  throw new TypeError("fetch failed");
};
