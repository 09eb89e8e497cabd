// @ambient-ts/istiod is an application; src/main.ts is its composition root.
export {};
