/** Escapes text for XML character data and attribute values (XML 1.0 §2.4, §3.1). */
export function escapeXml(value: string): string {
  return value
    // Characters XML 1.0 §2.2 does not allow at all: dropped rather than emitted as broken XML.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export class XmlSyntaxError extends Error {}
