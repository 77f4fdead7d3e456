import { createApp } from 'vue';
import { createPinia } from 'pinia';
import StudioApp from './StudioApp.vue';
import './styles/theme.css';

createApp(StudioApp).use(createPinia()).mount('#app');
