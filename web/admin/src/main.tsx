import { render } from 'preact';

import { App } from './App.tsx';
import './admin.css';

render(<App />, document.getElementById('app')!);
