import { describe, expect, it } from 'vitest';
import { baseName, parentFolder } from './paths.ts';

describe('paths shown in the renderer', () => {
  it('names the last part and the folder holding it, with either separator', () => {
    expect(baseName('/photos/cats/')).toBe('cats');
    expect(baseName('C:\\photos\\cat.1.jpg')).toBe('cat.1.jpg');
    expect(parentFolder('/photos/cats')).toBe('/photos');
    expect(parentFolder('/photos/cats/')).toBe('/photos');
    expect(parentFolder('C:\\photos\\cats')).toBe('C:\\photos');
    expect(parentFolder('/photos')).toBe('/');
    expect(parentFolder('/')).toBe('/');
  });
});
