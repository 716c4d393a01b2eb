// The device picker next to the input (S12, S13, S14): Cloud first, then the user's devices
// with status, slot usage, a star for the default and delete with confirmation. Offline devices
// are greyed out and cannot be chosen. Keyboard: arrows move, Escape closes.
import type { DeviceView } from '@wegent/shared';
import { CLOUD_DEVICE_ID } from '../protocol';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useT } from '../i18n';
import { displayStatus, splitDeviceName } from '../devices';
import { effectiveDeviceId } from '../state';
import { useAppState, useController } from '../useController';
import { DeviceStatusDot } from './DeviceStatusDot';
import { Icon } from './Icon';

export function DevicePicker() {
  const t = useT();
  const state = useAppState();
  const c = useController();
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const selectedId = effectiveDeviceId(state);
  const selected = state.devices.find((d) => d.device_id === selectedId);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) trigger.current?.focus();
  };

  // Focus the chosen entry as soon as the panel is in the DOM (before paint, so keys go there).
  useLayoutEffect(() => {
    // (Two queries: one selector list would match the first entry in document order, not the chosen.)
    const p = panel.current;
    if (open) (p?.querySelector<HTMLButtonElement>('.picker-choice[aria-current="true"]') ?? p?.querySelector<HTMLButtonElement>('.picker-choice'))?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    // A click elsewhere closes the panel.
    const onDown = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !trigger.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  // On the wrapper, so Escape works whether focus is still on the trigger or already inside.
  const onKeyDown = (e: KeyboardEvent) => {
    if (!open) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      close(true);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const choices = [...(panel.current?.querySelectorAll<HTMLButtonElement>('.picker-choice:not([disabled])') ?? [])];
      const i = choices.indexOf(document.activeElement as HTMLButtonElement);
      const next = choices[(i + (e.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length];
      next?.focus();
    }
  };

  const cloudDown = state.cloud?.available === false;
  const label = selected ? selected.name : t('picker.cloud');
  // Offline from the backend, the list is the last one heard: statuses unknown, not "online 0/5".
  const live = state.connection === 'connected';
  const shown = selected && displayStatus(selected, live);
  return (
    <div class="picker" onKeyDown={onKeyDown}>
      <button
        ref={trigger}
        type="button"
        class="picker-trigger"
        aria-haspopup="true"
        aria-expanded={open}
        aria-label={`${t('picker.label')}: ${label}${shown ? `, ${t(`picker.${shown}`)}` : cloudDown ? `, ${t('picker.unavailable')}` : ''}`}
        title={live ? `${t('picker.choose')}: ${label}` : t('picker.stale')}
        onClick={() => {
          // What the pool and the devices look like now, not at page load.
          if (!open) void c.refreshDevices();
          setOpen(!open);
        }}
      >
        {shown ? <DeviceStatusDot status={shown} /> : <Icon name="cloud" />}
        <span class="picker-trigger-name">
          {/* A narrow sidebar hides the OS word ("Linux - "): the host and folder are what tell devices apart. */}
          {selected ? <><span class="picker-os">{splitDeviceName(label).os}</span>{splitDeviceName(label).rest}</> : label}
        </span>
        {shown ? (
          <span class="picker-state">{t(`picker.${shown}`)}</span>
        ) : (
          cloudDown && <span class="picker-state">{t('picker.unavailable')}</span>
        )}
        {selected?.is_default && (
          <span class="picker-default-mark" title={t('picker.default')}>
            <Icon name="star-full" />
          </span>
        )}
        {selected && live && <span class="picker-slots">{t('picker.slots', { used: selected.slots_used, max: selected.max_slots })}</span>}
        <Icon name={open ? 'chevron-up' : 'chevron-down'} />
      </button>
      {open && (
        <div ref={panel} class="picker-panel" role="group" aria-label={t('picker.choose')}>
          {!live && <p class="picker-stale" role="note">{t('picker.stale')}</p>}
          <ul class="picker-list">
            <CloudRow selected={selectedId === CLOUD_DEVICE_ID} unavailable={cloudDown} onPick={() => close(true)} />
            {state.devices.map((d) => (
              <DeviceRow key={d.device_id} device={d} selected={d.device_id === selectedId} onPick={() => close(true)} />
            ))}
          </ul>
          {state.devicesLoaded && state.devices.length === 0 && <p class="picker-empty">{t('picker.noDevices')}</p>}
        </div>
      )}
    </div>
  );
}

function CloudRow({ selected, unavailable, onPick }: { selected: boolean; unavailable: boolean; onPick: () => void }) {
  const t = useT();
  const c = useController();
  return (
    <li class={`picker-row${selected ? ' selected' : ''}${unavailable ? ' unavailable' : ''}`} data-device-id="cloud">
      <button
        type="button"
        class="picker-choice"
        aria-current={selected}
        aria-label={`${t('picker.cloud')}, ${unavailable ? t('picker.cloudUnavailable') : t('picker.cloudHint')}`}
        onClick={() => {
          c.pickDevice(CLOUD_DEVICE_ID);
          onPick();
        }}
      >
        <Icon name="cloud" />
        <span class="picker-name">{t('picker.cloud')}</span>
        <span class="picker-meta">{unavailable ? t('picker.cloudUnavailable') : t('picker.cloudHint')}</span>
      </button>
    </li>
  );
}

function DeviceRow({ device, selected, onPick }: { device: DeviceView; selected: boolean; onPick: () => void }) {
  const t = useT();
  const c = useController();
  const state = useAppState();
  const [confirming, setConfirming] = useState(false);
  const live = state.connection === 'connected';
  const shown = displayStatus(device, live);
  // A lost device takes no new messages (the backend refuses them, saying why): like offline here.
  const offline = shown === 'offline' || shown === 'lost';
  const isThisVsCode = state.info?.local_device_id === device.device_id;
  const slots = t('picker.slots', { used: device.slots_used, max: device.max_slots });

  if (confirming) {
    return (
      <li class="picker-row confirming" role="alertdialog" aria-label={t('picker.delete', { name: device.name })}>
        <p class="picker-confirm-text">{t('picker.confirmDelete', { name: device.name })}</p>
        <div class="picker-confirm-actions">
          <button type="button" class="danger" onClick={() => void c.deleteDevice(device.device_id)} ref={(el) => el?.focus()}>
            {t('picker.confirm')}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            {t('picker.cancel')}
          </button>
        </div>
      </li>
    );
  }
  return (
    <li class={`picker-row${selected ? ' selected' : ''}${offline ? ' offline' : ''}`} data-device-id={device.device_id}>
      <button
        type="button"
        class="picker-choice"
        disabled={offline}
        aria-current={selected}
        aria-label={`${device.name}, ${t(`picker.${shown}`)}${live ? `, ${t('picker.slotsLong', { used: device.slots_used, max: device.max_slots })}` : ''}${device.is_default ? `, ${t('picker.default')}` : ''}`}
        onClick={() => {
          c.pickDevice(device.device_id);
          onPick();
        }}
      >
        <DeviceStatusDot status={shown} />
        <span class="picker-name">{device.name}</span>
        <span
          class={`picker-state${shown === 'lost' ? ' picker-lost' : ''}`}
          aria-hidden="true"
          title={shown === 'lost' && device.offline_at ? t('picker.lostUntil', { time: new Date(device.offline_at).toLocaleTimeString() }) : undefined}
        >
          {t(`picker.${shown}`)}
        </span>
        {isThisVsCode && <span class="picker-meta">{t('picker.thisDevice')}</span>}
        {live && <span class="picker-slots" aria-hidden="true">{slots}</span>}
      </button>
      <button
        type="button"
        class="icon-button star"
        aria-pressed={device.is_default}
        aria-label={t(device.is_default ? 'picker.unsetDefault' : 'picker.setDefault', { name: device.name })}
        title={t(device.is_default ? 'picker.unsetDefault' : 'picker.setDefault', { name: device.name })}
        onClick={() => void c.toggleDefault(device.device_id)}
      >
        <Icon name={device.is_default ? 'star-full' : 'star-empty'} />
      </button>
      <button
        type="button"
        class="icon-button"
        aria-label={t('picker.delete', { name: device.name })}
        title={t('picker.delete', { name: device.name })}
        onClick={() => setConfirming(true)}
      >
        <Icon name="trash" />
      </button>
    </li>
  );
}
