console.log('quickstart')
