// Which view is shown. Views switch with the nav rail, with Alt+1…6, or when a
// workflow moves on (e.g. "Retrain" in Suspects opens Training).
import { defineStore } from 'pinia';
import { ref } from 'vue';

export const viewIds = ['projects', 'gallery', 'splits', 'training', 'runs', 'suspects'] as const;
export type ViewId = (typeof viewIds)[number];

export const useNavigationStore = defineStore('navigation', () => {
  const current = ref<ViewId>('projects');
  function go(view: ViewId): void {
    current.value = view;
  }
  return { current, go };
});
