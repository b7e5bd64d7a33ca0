/** The operator's key file, for the faces that present it (the hook command); see src/store/operator-key.ts. */
export { operatorKeyPath, readOperatorKey } from '../store/operator-key.js';
export { defaultDataDir } from '../store/location.js';
