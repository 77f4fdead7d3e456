import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setStudioApi } from '../api/index.ts';
import { FakeStudioApi } from '../testing/fake-studio-api.ts';
import { GALLERY_PAGE_SIZE, useGalleryStore } from './gallery.ts';
import { useProjectStore } from './project.ts';

async function setUp(images = 10) {
  const fake = new FakeStudioApi({ images });
  setStudioApi(fake.api());
  setActivePinia(createPinia());
  const project = useProjectStore();
  await project.connect();
  const gallery = useGalleryStore();
  gallery.connect();
  await gallery.reload();
  return { fake, project, gallery };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('useGalleryStore', () => {
  beforeEach(() => setStudioApi(null));

  it('loads the first page with the total, and later pages only once, when the grid asks for them', async () => {
    const { fake, gallery } = await setUp(25_000);
    expect(gallery.total).toBe(25_000);
    expect(gallery.itemAt(0)?.name).toBe('img-00000.jpg');
    expect(gallery.itemAt(GALLERY_PAGE_SIZE * 3)).toBeUndefined();
    await Promise.all([gallery.ensureRange(600, 700), gallery.ensureRange(650, 720)]);
    expect(gallery.itemAt(650)?.name).toBe('img-00650.jpg');
    const offsets = fake.inputsOf('queryImages').map((q) => q.offset);
    expect(offsets.filter((o) => o === 600)).toHaveLength(1);
    expect(fake.inputsOf('queryImages').every((q) => q.limit === GALLERY_PAGE_SIZE)).toBe(true);
  });

  it('sends the filters and sort, and a new filter starts over with an empty selection', async () => {
    const { fake, gallery } = await setUp();
    await gallery.pick(0);
    expect(gallery.selectedCount).toBe(1);
    await gallery.setFilter({ classes: ['dog'], search: '' });
    expect(fake.inputsOf('queryImages').at(-1)).toMatchObject({ classes: ['dog'], offset: 0, sort: 'name' });
    expect(fake.inputsOf('queryImages').at(-1)).not.toHaveProperty('search');
    expect(gallery.total).toBe(5);
    expect(gallery.selectedCount).toBe(0);
    await gallery.setSort('loss');
    expect(fake.inputsOf('queryImages').at(-1)).toMatchObject({ sort: 'loss', order: 'desc' });
  });

  it('selects by click, ctrl+click and shift+click, even across pages not loaded yet', async () => {
    const { gallery } = await setUp(1000);
    await gallery.pick(2);
    await gallery.pick(4, { ctrl: true });
    expect([...gallery.selection]).toEqual([3, 5]);
    await gallery.pick(4, { ctrl: true });
    expect([...gallery.selection]).toEqual([3]);
    await gallery.pick(10);
    await gallery.pick(450, { shift: true });
    expect(gallery.selectedCount).toBe(441);
    expect(gallery.isSelected(451)).toBe(true);
    expect(gallery.focus).toBe(450);
  });

  it('selects all filtered images with one call, without loading their pages', async () => {
    const { fake, gallery } = await setUp(3000);
    await gallery.selectAllFiltered();
    expect(gallery.selectedCount).toBe(3000);
    expect(fake.count('queryImageIds')).toBe(1);
  });

  it('moves the focus with arrows and grows the selection with shift', async () => {
    const { gallery } = await setUp();
    await gallery.moveFocus(1);
    expect(gallery.focus).toBe(0);
    await gallery.moveFocus(3);
    expect(gallery.focus).toBe(3);
    expect([...gallery.selection]).toEqual([4]);
    await gallery.moveFocus(2, true);
    expect(gallery.selectedCount).toBe(3);
    await gallery.moveFocus(100);
    expect(gallery.focus).toBe(9);
  });

  it('shows a relabel at once as pending, then committed, and updates the class counts', async () => {
    const { fake, gallery, project } = await setUp();
    await gallery.pick(0);
    const item = gallery.itemAt(0)!;
    expect(gallery.labelOf(item)).toBe('cat');
    const open = fake.gate('setLabel');
    const done = gallery.relabelByKey(2);
    expect(gallery.labelOf(item)).toBe('dog');
    expect(gallery.isPending(item.id)).toBe(true);
    open();
    expect(await done).toBe(true);
    expect(gallery.isPending(item.id)).toBe(false);
    expect(gallery.labelOf(item)).toBe('dog');
    expect(fake.inputsOf('setLabel')[0]).toEqual({ imageIds: [1], className: 'dog' });
    expect(project.classes.find((c) => c.name === 'dog')?.count).toBe(6);
    expect(project.history?.canUndo).toBe(true);
  });

  it('puts the old label back and says why when the core refuses a relabel', async () => {
    const { fake, gallery } = await setUp();
    await gallery.pick(0);
    fake.fail('setLabel', 'the project file is read-only');
    expect(await gallery.relabel('dog')).toBe(false);
    expect(gallery.labelOf(gallery.itemAt(0)!)).toBe('cat');
    expect(gallery.isPending(1)).toBe(false);
    expect(gallery.error).toContain('the project file is read-only');
  });

  it('says which key has no class instead of relabelling', async () => {
    const { fake, gallery } = await setUp();
    await gallery.pick(0);
    expect(await gallery.relabelByKey(5)).toBe(false);
    expect(gallery.error).toMatch(/Key 5 has no class: there are 2 classes/);
    expect(fake.count('setLabel')).toBe(0);
  });

  it('undoes and redoes, showing the restored labels', async () => {
    const { gallery, project } = await setUp();
    await gallery.pick(0);
    await gallery.pick(2, { shift: true });
    await gallery.relabel('dog');
    expect([0, 1, 2].map((i) => gallery.labelOf(gallery.itemAt(i)!))).toEqual(['dog', 'dog', 'dog']);
    await gallery.undo();
    expect([0, 1, 2].map((i) => gallery.labelOf(gallery.itemAt(i)!))).toEqual(['cat', 'dog', 'cat']);
    expect(project.history?.canRedo).toBe(true);
    await gallery.redo();
    expect([0, 1, 2].map((i) => gallery.labelOf(gallery.itemAt(i)!))).toEqual(['dog', 'dog', 'dog']);
    await gallery.redo();
    expect(gallery.error).toBe('Nothing to redo.');
  });

  it('reloads what is shown when labels change elsewhere, but not for its own changes', async () => {
    const { fake, gallery } = await setUp();
    await gallery.pick(0);
    await gallery.relabel('dog');
    const before = fake.count('queryImages');
    fake.emit('labels.changed', { imageIds: [1], history: fake.historyState(), classes: fake.classes() });
    await tick();
    expect(fake.count('queryImages')).toBe(before);
    fake.images[5].label = 'bird';
    fake.emit('labels.changed', { imageIds: [6], history: { ...fake.historyState(), position: 99 }, classes: fake.classes() });
    await tick();
    await tick();
    expect(fake.count('queryImages')).toBe(before + 1);
    expect(gallery.labelOf(gallery.itemAt(5)!)).toBe('bird');
  });

  it('opens the preview on the focused image and follows the focus', async () => {
    const { gallery } = await setUp();
    await gallery.openPreview(3);
    expect(gallery.previewOpen).toBe(true);
    expect(gallery.preview?.id).toBe(4);
    await gallery.moveFocus(1);
    await tick();
    expect(gallery.preview?.id).toBe(5);
    gallery.closePreview();
    expect(gallery.previewOpen).toBe(false);
  });

  it('reloads after an import, keeps the selection in the same project, and starts over in another', async () => {
    const { fake, gallery } = await setUp();
    await gallery.pick(1);
    const before = fake.count('queryImages');
    fake.emit('project.changed', fake.status());
    await tick();
    expect(gallery.selectedCount).toBe(1);
    expect(fake.count('queryImages')).toBe(before);
    fake.images.push({ id: 11, name: 'img-new.jpg', hash: 'hn', label: null });
    fake.emit('project.changed', fake.status());
    await tick();
    await tick();
    expect(gallery.total).toBe(11);
    expect(gallery.selectedCount).toBe(1);
    fake.emit('project.changed', { ...fake.status(), file: '/tmp/other.xstudio' });
    await tick();
    expect(gallery.selectedCount).toBe(0);
    expect(gallery.focus).toBe(-1);
  });

  it('does not reload for its own relabel when the event arrives before the answer', async () => {
    const { fake, gallery } = await setUp();
    await gallery.setFilter({ classes: ['cat'] });
    await gallery.pick(0);
    const open = fake.gate('setLabel');
    const done = gallery.relabel('bird');
    await tick();
    // The core's event overtakes the call's answer (as over a WebSocket it can).
    const before = fake.count('queryImages');
    fake.emit('labels.changed', { imageIds: [1], history: { ...fake.historyState(), position: fake.historyState().position + 1 }, classes: fake.classes() });
    open();
    await done;
    await tick();
    expect(fake.count('queryImages')).toBe(before);
    expect(gallery.labelOf(gallery.itemAt(0)!)).toBe('bird');
  });
});
