/**
 * Gives werift's SRTP ciphers their session keys as KeyObjects. werift builds a new cipher per
 * packet from Buffer keys, and Node 24 (24.21) brand-checks a Buffer key by throwing and
 * catching two exceptions inside `createCipheriv`/`createHmac` (lib/internal/crypto/keys.js):
 * ~16 µs per 1,200-byte AES-GCM packet against ~4 µs with a KeyObject, 38 % of a busy media
 * worker's time in the forwarding benchmark. Accessors on the ciphers' common base prototype
 * turn each key into a KeyObject once, when the cipher is constructed. Importing the module
 * applies it once per process; a changed werift cipher layout makes the import throw rather
 * than silently lose the speed-up (test/unit/srtp-key-objects.test.ts round-trips both SRTP
 * profiles through it).
 */
import { createSecretKey } from "node:crypto";
import { SrtpSession } from "werift";

const KEY_FIELDS = ["srtpSessionKey", "srtcpSessionKey", "srtpSessionAuthTag", "srtcpSessionAuthTag"] as const;
/** werift's ProtectionProfileAeadAes128Gcm (RFC 7714). */
const AEAD_AES_128_GCM = 7;

function cipherBasePrototype(): object {
  const key = Buffer.alloc(16, 1);
  const salt = Buffer.alloc(12, 2);
  const keys = { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt };
  const session = new SrtpSession({ keys, profile: AEAD_AES_128_GCM } as ConstructorParameters<typeof SrtpSession>[0]);
  const cipher = (session as unknown as { localContext?: { cipher?: Record<string, unknown> } }).localContext?.cipher;
  const base = cipher && Object.getPrototypeOf(Object.getPrototypeOf(cipher));
  if (!base || !(Buffer.isBuffer(cipher.srtpSessionKey) || cipher.srtpSessionKey instanceof Object)) {
    throw new Error("werift's SRTP cipher layout changed: re-check src/media/webrtc/srtp-key-objects.ts");
  }
  return base;
}

const base = cipherBasePrototype();
for (const field of KEY_FIELDS) {
  if (Object.getOwnPropertyDescriptor(base, field)) continue; // applied already
  const slot = Symbol(field);
  Object.defineProperty(base, field, {
    configurable: true,
    get(this: Record<symbol, unknown>) {
      return this[slot];
    },
    set(this: Record<symbol, unknown>, value: unknown) {
      this[slot] = Buffer.isBuffer(value) ? createSecretKey(value) : value;
    },
  });
}

export const srtpKeyObjects = true;
