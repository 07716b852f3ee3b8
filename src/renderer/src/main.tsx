// Order matters: ./early opens the connection before React and the console are evaluated.
import { api, early } from './early';
import { boot } from './boot';

boot(api, early);
