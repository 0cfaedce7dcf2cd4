// Sources, for admins: the inbound webhook sources with the URL to give each vendor, adding
// one from a preset (its secret shown once), a test delivery from the preset's sample, and
// the delivery log underneath (delivery_log.ts). No YAML: the API writes sources.yaml.

import { h, replace } from '../h';
import { ApiError, get, messageOf, post } from '../api';
import * as session from '../session';
import { alertRegion, empty, loading, pageHeader } from '../ui';
import { renderDeliveryLog } from './delivery_log';
import type { AddedSource, InboundDelivery, Source, SourceList, SourcePreset } from '../types';

export function renderSources(root: HTMLElement): void {
  root.append(pageHeader('Sources'));
  if (!session.isAdmin()) {
    root.append(forbidden());
    return;
  }
  const alert = alertRegion();
  const status = h('p', { class: 'muted', role: 'status' });
  const list = h('div', null, loading('sources'));
  const once = h('div', null);
  const log = renderDeliveryLog();
  let presets: SourcePreset[] = [];

  const reload = async (): Promise<void> => {
    try {
      const sources = await get<SourceList>('/v1/sources');
      replace(list, sourceTable(sources.items, presets, sendSample));
      log.setSources(sources.items.map((s) => s.name));
    } catch (error) {
      replace(list);
      alert.show(messageOf(error));
    }
  };
  const sendSample = async (name: string, button: HTMLButtonElement): Promise<void> => {
    button.disabled = true;
    status.textContent = `Sending a test delivery to ${name}…`;
    try {
      const delivery =
        await post<InboundDelivery>(`/v1/sources/${encodeURIComponent(name)}/sample`);
      await log.reload(delivery.id);
      status.textContent = `The test delivery to ${name} is in the log below.`;
    } catch (error) {
      status.textContent = '';
      alert.show(messageOf(error));
    } finally {
      button.disabled = false;
    }
  };
  const form = addForm(once, () => void reload());

  root.append(alert, status,
    h('section', { class: 'panel', 'aria-labelledby': 'sources-h' },
      h('h2', { id: 'sources-h' }, 'Sources'), list),
    h('section', { class: 'panel', 'aria-labelledby': 'add-source-h' },
      h('h2', { id: 'add-source-h' }, 'Add a source'), once, form.el),
    log.el);
  get<{ items: SourcePreset[] }>('/v1/sources/presets').then((p) => {
    presets = p.items;
    form.setPresets(p.items);
  }).catch((error) => form.presetsFailed(messageOf(error)))
    .finally(() => void reload());
  void log.reload();
}

function forbidden(): HTMLElement {
  return empty(h('h2', null, 'Only an admin can manage sources'),
    h('p', null, 'Sources hold the secrets that webhooks are signed with. Ask an admin to add ' +
      'one, or to give you the admin role in people.yaml.'));
}

function sourceTable(items: Source[], presets: SourcePreset[],
                     sample: (name: string, button: HTMLButtonElement) => Promise<void>):
    HTMLElement {
  if (items.length === 0) {
    return empty(h('p', null, 'No sources yet: add one below, and give its URL to the vendor.'));
  }
  const withSample = new Set(presets.filter((p) => p.sample).map((p) => p.name));
  const vendor = (preset: string) => presets.find((p) => p.name === preset)?.vendor ?? preset;
  const rows = items.map((s) => {
    const full = location.origin + s.url;
    const test = withSample.has(s.preset)
      ? h('button', { type: 'button', 'aria-label': `Send a test delivery to ${s.name}`,
        onclick: (e: MouseEvent) => void sample(s.name, e.currentTarget as HTMLButtonElement) },
        'Send a test delivery')
      : null;
    // data-label names each cell where a phone shows the row as a stack (style.css).
    return h('tr', null,
      h('th', { scope: 'row' }, s.name),
      h('td', { 'data-label': 'Vendor' }, s.preset ? vendor(s.preset) : s.scheme),
      h('td', { 'data-label': 'URL' }, h('div', { class: 'copy-line' }, h('code', null, full),
        copyButton(full, `Copy the URL of ${s.name}`))),
      h('td', { 'data-label': 'Secrets' }, s.secrets === 1 ? '1 secret' : `${s.secrets} secrets`),
      h('td', { 'data-label': 'Test' }, test ?? h('span', { class: 'muted' }, '—')));
  });
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Sources' },
    h('table', { class: 'stack' },
      h('caption', null, 'Each source and the URL to give its vendor'),
      h('thead', null, h('tr', null, ['Name', 'Vendor', 'URL for the vendor', 'Secrets', 'Test']
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows)));
}

// A button that copies `text`; it says "Copied" for a moment (and to a screen reader).
export function copyButton(text: string, label: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'quiet copy', 'aria-label': label,
    onclick: () => void copy(text).then((ok) => {
      button.textContent = ok ? 'Copied' : 'Select and copy it';
      setTimeout(() => (button.textContent = 'Copy'), 2000);
    }) }, 'Copy');
  return button;
}

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;  // no clipboard (an insecure origin, a denied permission): the text is shown
  }
}

interface AddForm {
  el: HTMLFormElement;
  setPresets(presets: SourcePreset[]): void;
  presetsFailed(message: string): void;
}

// The form: a preset and a name. A refusal names its field: the message goes beside it.
function addForm(once: HTMLElement, added: () => void): AddForm {
  const preset = h('select', { id: 'src-preset', name: 'preset', required: true,
                               'aria-describedby': 'src-preset-error' },
    h('option', { value: '' }, 'Loading the presets…'));
  const name = h('input', { id: 'src-name', name: 'name', required: true, autocomplete: 'off',
                            spellcheck: false,
                            'aria-describedby': 'src-name-hint src-name-error' });
  const errors: Record<string, HTMLElement> = {
    preset: h('p', { id: 'src-preset-error', class: 'field-error', 'aria-live': 'polite' }),
    name: h('p', { id: 'src-name-error', class: 'field-error', 'aria-live': 'polite' }),
  };
  const general = h('p', { class: 'field-error', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add source');
  const clear = () => {
    for (const [field, el] of Object.entries(errors)) {
      el.textContent = '';
      (field === 'name' ? name : preset).removeAttribute('aria-invalid');
    }
    general.textContent = '';
  };
  const refuse = (error: unknown) => {
    const field = error instanceof ApiError ? String(error.problem?.field ?? '') : '';
    const target = errors[field];
    if (target) {
      target.textContent = messageOf(error);
      (field === 'name' ? name : preset).setAttribute('aria-invalid', 'true');
      (field === 'name' ? name : preset).focus();
    } else {
      general.textContent = messageOf(error);
    }
  };
  const el = h('form', { class: 'add-source', novalidate: true, onsubmit: (e: Event) => {
    e.preventDefault();
    clear();
    submit.disabled = true;
    post<AddedSource>('/v1/sources', { name: name.value.trim(), preset: preset.value })
      .then((answer) => {
        replace(once, oncePanel(answer, preset.selectedOptions[0]?.textContent ?? ''));
        name.value = '';
        added();
        (once.querySelector('h3') as HTMLElement | null)?.focus();
      }).catch(refuse).finally(() => (submit.disabled = false));
  } },
  h('div', { class: 'form-row' },
    h('div', { class: 'field' }, h('label', { for: 'src-preset' }, 'Preset'), preset,
      errors.preset),
    h('div', { class: 'field' }, h('label', { for: 'src-name' }, 'Name'), name,
      h('p', { id: 'src-name-hint', class: 'hint' },
        'Lowercase letters, digits, - and _, such as hubspot: it ends the URL.'),
      errors.name),
    h('div', { class: 'actions' }, submit)),
  general);
  return {
    el,
    setPresets(presets) {
      replace(preset, h('option', { value: '' }, 'Choose the vendor…'),
        presets.map((p) => h('option', { value: p.name }, p.vendor)));
    },
    presetsFailed(message) {
      replace(preset, h('option', { value: '' }, 'The presets could not be loaded'));
      errors.preset.textContent = message;
    },
  };
}

// The URL and the secret, once: the server keeps only what checks a signature, and no read
// of the sources shows a secret again.
function oncePanel(added: AddedSource, vendor: string): HTMLElement {
  const full = location.origin + added.url;
  const who = vendor || 'the vendor';
  return h('div', { class: 'once', role: 'group', 'aria-labelledby': 'once-h' },
    h('h3', { id: 'once-h', tabindex: -1 }, `Shown once: paste it into ${who} now`),
    h('p', null, `The source ${added.name} is ready. Baton will not show this secret again; ` +
      'if it is lost, add the source anew under another name.'),
    h('dl', { class: 'facts' },
      h('dt', null, 'URL'),
      h('dd', null, h('div', { class: 'copy-line' }, h('code', { class: 'once-url' }, full),
        copyButton(full, 'Copy the URL'))),
      h('dt', null, 'Secret'),
      h('dd', null, h('div', { class: 'copy-line' },
        h('code', { class: 'once-secret' }, added.secret),
        copyButton(added.secret, 'Copy the secret')))),
    h('button', { type: 'button', class: 'quiet', onclick: (e: MouseEvent) =>
      (e.currentTarget as HTMLElement).parentElement?.remove() }, 'I have copied them'));
}
