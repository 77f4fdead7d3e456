// The core names the contract's field at fault ("sizes.train: expected at most
// 16,000, got 20,000"); the UI says it with the label of the box that holds it
// ("Train size: …"), as the CLI says it with the flag that filled it.

/** Contract field → the words of the box that holds it in the UI. */
const FIELD_WORDS: Record<string, string> = {
  sizes: 'Sizes',
  'sizes.train': 'Train size',
  'sizes.val': 'Validation size',
  'sizes.test': 'Test size',
  seed: 'Seed',
  name: 'Name',
  backbone: 'Feature extractor',
  'backbone.backbone': 'Feature extractor',
  inputSize: 'Input size',
  weightsFile: 'Weights file',
  modelJson: 'model.json',
  preprocess: 'Preprocessing',
  featureLayer: 'Feature layer',
  randomInit: 'Random init',
  batchSize: 'Batch',
  folder: 'Folder',
  path: 'Folder',
  csvFile: 'CSV file',
  labelPattern: 'Regular expression',
  out: 'Export destination',
  format: 'Export format',
  folds: 'Folds',
  newName: 'New name',
  className: 'Class',
  into: 'Merge into',
  model: 'Exported model',
  files: 'Images',
  file: 'File',
};

/** A core error in the UI's words: its "field: " prefix becomes the box's label; anything else is kept. */
export function fieldInWords(message: string, field: string | undefined): string {
  if (!field || !message.startsWith(`${field}: `)) return message;
  // computeImageFeatures holds the choice under `backbone`: backbone.inputSize is the Input size box.
  const words = FIELD_WORDS[field] ?? FIELD_WORDS[field.replace(/^backbone\./, '')];
  return words ? `${words}: ${message.slice(field.length + 2)}` : message;
}
