import { render } from 'preact'
import { App } from './App.js'
import './styles/base.css'
import './styles/home.css'
import './styles/lobby.css'
import './styles/call.css'
import './styles/transfer.css'

const root = document.getElementById('app')
if (root) render(<App />, root)
