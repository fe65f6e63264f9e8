/** The errno values that livepatch refusals return, with the text userspace prints for them. */
export const ERRNO = {
  ENOENT: 2,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOMEM: 12,
  EWOULDBLOCK: 11,
} as const;

export type ErrnoName = keyof typeof ERRNO;

const NAMES: Record<number, ErrnoName> = Object.fromEntries(
  Object.entries(ERRNO).map(([name, value]) => [value, name as ErrnoName]),
);

/** strerror() text, as modprobe prints it after "could not insert". */
const STRERROR: Record<ErrnoName, string> = {
  ENOENT: 'No such file or directory',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ENOMEM: 'Cannot allocate memory',
  EWOULDBLOCK: 'Resource temporarily unavailable',
};

/** Returns the errno name of a positive or negative errno value, or `E<n>` for unknown ones. */
export function errnoName(value: number): string {
  return NAMES[Math.abs(value)] ?? `E${Math.abs(value)}`;
}

export function strerror(value: number): string {
  const name = NAMES[Math.abs(value)];
  return name ? STRERROR[name] : `Unknown error ${Math.abs(value)}`;
}
