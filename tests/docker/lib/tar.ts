// Reads the tar streams `docker save` writes (the outer archive and each layer.tar inside it). Only what scanning
// needs: names (ustar prefix, GNU long names, pax paths), entry types and contents.
export interface TarEntry {
  name: string;
  /** '0' file, '2' symlink, '5' directory, ... */
  type: string;
  data: Buffer;
}

function text(block: Buffer, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? slice.length : end).toString('utf8');
}

function size(block: Buffer): number {
  const field = block.subarray(124, 136);
  // Sizes too big for 11 octal digits are stored base-256 with the top bit set.
  if (field[0]! & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  return parseInt(text(block, 124, 12).trim() || '0', 8);
}

export function* tarEntries(archive: Buffer): Generator<TarEntry> {
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const type = String.fromCharCode(header[156]!) || '0';
    const length = size(header);
    const data = archive.subarray(offset + 512, offset + 512 + length);
    offset += 512 + Math.ceil(length / 512) * 512;
    if (type === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1] ?? paxPath;
      continue;
    }
    if (type === 'g') continue;
    const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? text(header, 345, 155) : '';
    const name = longName ?? paxPath ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    paxPath = undefined;
    yield { name, type: type === '\0' ? '0' : type, data };
  }
}
