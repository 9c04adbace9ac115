// Typed, validated view over the committed knowledge/*.json files: the public face of src/knowledge.
// schemas.ts says what each file must hold, tables.ts lists the files, load.ts reads them, types.ts is the view.
export * from './types.js';
export { KnowledgeError, defaultKnowledgeDir, findPackageRoot, labCodes, loadKnowledge } from './load.js';
