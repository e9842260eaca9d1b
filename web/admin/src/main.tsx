import { render } from 'preact';

render(<main><h1>Petrel Admin</h1></main>, document.getElementById('app')!);
