/**
 * The `Content-Disposition` header that makes a response a download named `name` (RFC 6266):
 * `attachment`, an ASCII fallback `filename="…"` for old clients, and the exact name as
 * `filename*=UTF-8''…` (RFC 8187: the UTF-8 bytes percent-encoded, only attr-chars left as they
 * are), which every current browser prefers.
 *
 * Self-contained (no reference outside its body): the download service worker embeds its source.
 */
export function contentDisposition(name: string): string {
  // Lone surrogates cannot be encoded as UTF-8 (encodeURIComponent would throw).
  const wellFormed = name.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  )
  const fallback = wellFormed.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'download'
  // encodeURIComponent leaves ' ( ) * unescaped; they are not attr-chars (RFC 8187 §3.2.1).
  const encoded = encodeURIComponent(wellFormed || 'download').replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`
}
