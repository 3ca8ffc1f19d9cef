// The API key for this browser tab. Kept in sessionStorage only: never in the URL, never in
// storage that outlives the tab, so it is forgotten when the tab closes or the person signs
// out. Where storage is disabled it lives in this page's memory until a reload.

const STORAGE_KEY = 'ekyc.dashboard.apiKey';
let inMemory = null;

export function apiKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? inMemory;
  } catch {
    return inMemory;
  }
}

export function remember(key) {
  inMemory = key;
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // storage disabled: memory only
  }
}

export function forget() {
  inMemory = null;
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}
