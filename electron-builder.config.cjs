// Installers: `npm run dist` → dist/ (AppImage + .deb on Linux, .dmg on macOS,
// NSIS .exe on Windows). CommonJS because package.json says "type": "module".
//
// Layout of the packaged app, and why:
// - app.asar holds package.json and the index of the app; out/ (main process,
//   ML worker, preload, renderer) and node_modules are unpacked beside it
//   (app.asar.unpacked): the worker is forked as a plain Node script
//   (ELECTRON_RUN_AS_NODE) and must load itself, its chunks, tfjs, its .wasm
//   files and sharp's native libraries as real files, and the page protocol
//   checks the renderer's files with realpath, which needs real files too.
// - better-sqlite3 for Electron's ABI is the build scripts/electron-native.mjs
//   makes, shipped as resources/native/better_sqlite3.node (native-binding.ts
//   finds it there). No npm rebuild: node_modules keeps its Node build for the
//   CLI and the tests on the machine that packages.
// - @tensorflow/tfjs-node(-gpu) are optional dependencies of hundreds of MB
//   (libtensorflow): left out of installers, which use the WebAssembly backend,
//   unless XSTUDIO_PACKAGE_TFJS_NODE=1.
// - onnxruntime-node (the CPU inference engine) ships its native library for
//   five platforms (290 MB); an installer keeps only its own platform's and
//   arch's (linux-x64: 45 MB). Installers are built natively per platform and
//   arch (CI, release.yml), so process.platform/arch are the target's.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- electron-builder loads this file as CommonJS
const { version: electronVersion } = require('electron/package.json');

const withTfjsNode = process.env.XSTUDIO_PACKAGE_TFJS_NODE === '1';
const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';
const ORT_TARGETS = { darwin: ['arm64'], linux: ['x64', 'arm64'], win32: ['x64', 'arm64'] };
const otherOrtBinaries = Object.entries(ORT_TARGETS).flatMap(([platform, arches]) =>
  arches.filter((arch) => platform !== process.platform || arch !== process.arch).map((arch) => `!${ORT_BIN}/${platform}/${arch}/**`));
// Playwright's _electron drives the app through --inspect: the package the
// Electron suite tests on CI keeps that one fuse on; release builds do not.
const forE2e = process.env.XSTUDIO_PACKAGE_FOR_E2E === '1';

module.exports = {
  appId: 'io.github.xception-studio.app',
  productName: 'Xception Studio',
  executableName: 'xception-studio',
  artifactName: 'xception-studio-${version}-${os}-${arch}.${ext}',
  directories: { buildResources: 'resources', output: 'dist' },
  files: [
    'package.json',
    'out/**/*',
    '!out/**/*.map',
    // The Node-ABI build and the C sources: Electron uses resources/native instead.
    '!node_modules/better-sqlite3/{build,deps,src}/**',
    ...(withTfjsNode ? [] : ['!node_modules/@tensorflow/tfjs-node/**', '!node_modules/@tensorflow/tfjs-node-gpu/**']),
    ...otherOrtBinaries,
  ],
  extraResources: [{ from: `.native/electron-${electronVersion}/better_sqlite3.node`, to: 'native/better_sqlite3.node' }],
  asar: true,
  asarUnpack: ['out/**', 'node_modules/**'],
  npmRebuild: false,
  electronFuses: {
    // On: the ML worker is Electron's binary run as Node. The plain-Node core
    // forks it with child_process.fork (job-runner.ts); Electron's
    // utilityProcess would need electron in the core, which the layering forbids.
    runAsNode: true,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: forE2e,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    // The page is served from xstudio://app/, never file://.
    grantFileProtocolExtraPrivileges: false,
  },
  linux: {
    target: ['AppImage', 'deb'],
    icon: 'resources/icon.png',
    category: 'Science',
    maintainer: 'Xception Studio <xception-studio@users.noreply.github.com>',
    synopsis: 'Label image folders and train image classifiers by transfer learning',
  },
  mac: {
    target: ['dmg'],
    icon: 'resources/icon.png',
    category: 'public.app-category.developer-tools',
  },
  win: {
    target: ['nsis'],
    icon: 'resources/icon.png',
  },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
};
