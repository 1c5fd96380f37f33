export * from "./keyring.ts";
export * from "./hd.ts";
export { DEFAULT_SCRYPT, type ScryptParams } from "./encryption.ts";
