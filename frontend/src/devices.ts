// Microphone and camera choice: listing, the remembered choice per stream
// key (localStorage), and merging the choice into getUserMedia constraints.

import type { MediaConstraints } from "./protocol";

export type DeviceKind = "audioinput" | "videoinput";

export interface DeviceOption {
  id: string;
  label: string;
}

export interface DeviceLists {
  audioinput: DeviceOption[];
  videoinput: DeviceOption[];
}

/** The subset of Storage we need (so tests can pass a fake). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const storageKey = (streamKey: string, kind: DeviceKind): string =>
  `streamlit-rtc:device:${streamKey}:${kind}`;

export class DeviceChoice {
  constructor(private readonly store: KeyValueStore | null, private readonly streamKey: string) {}

  get(kind: DeviceKind): string | null {
    try {
      return this.store?.getItem(storageKey(this.streamKey, kind)) || null;
    } catch {
      return null; // storage blocked (privacy settings, sandbox)
    }
  }

  set(kind: DeviceKind, deviceId: string | null): void {
    try {
      if (deviceId) this.store?.setItem(storageKey(this.streamKey, kind), deviceId);
      else this.store?.removeItem(storageKey(this.streamKey, kind));
    } catch {
      /* storage blocked: the choice lasts for this page only */
    }
  }
}

export async function listDevices(md: Pick<MediaDevices, "enumerateDevices"> | undefined): Promise<DeviceLists> {
  const lists: DeviceLists = { audioinput: [], videoinput: [] };
  if (!md) return lists;
  let devices: MediaDeviceInfo[];
  try {
    devices = await md.enumerateDevices();
  } catch {
    return lists;
  }
  for (const d of devices) {
    if (d.kind !== "audioinput" && d.kind !== "videoinput") continue;
    const list = lists[d.kind];
    // Labels stay empty until the user has granted access once.
    const label = d.label || `${d.kind === "audioinput" ? "Microphone" : "Camera"} ${list.length + 1}`;
    if (d.deviceId && !list.some((o) => o.id === d.deviceId)) list.push({ id: d.deviceId, label });
  }
  return lists;
}

/**
 * The constraints with the chosen devices as *ideal* deviceIds: a device that
 * went away falls back to another instead of failing getUserMedia.
 */
export function withDevices(
  constraints: MediaConstraints,
  audioId: string | null,
  videoId: string | null,
): MediaStreamConstraints {
  const pick = (c: boolean | MediaTrackConstraints, id: string | null): boolean | MediaTrackConstraints => {
    if (c === false || !id) return c;
    const base = c === true ? {} : { ...c };
    return { ...base, deviceId: { ideal: id } };
  };
  return { audio: pick(constraints.audio, audioId), video: pick(constraints.video, videoId) };
}
